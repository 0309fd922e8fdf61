"""Conversions between naming styles."""

SMALL_WORDS = {"a", "an", "and", "of", "the", "in", "on", "to"}


def camel_to_snake(name):
    """Turn ``parseHttpResponse`` into ``parse_http_response``."""
    out = []
    for index, char in enumerate(name):
        if char.isupper():
            previous_lower = index > 0 and name[index - 1].islower()
            next_lower = index + 1 < len(name) and name[index + 1].islower()
            if index > 0 and (previous_lower or next_lower) and out[-1] != "_":
                out.append("_")
            out.append(char.lower())
        else:
            out.append(char)
    return "".join(out)


def snake_to_camel(name, upper_first=False):
    """Turn ``parse_http_response`` into ``parseHttpResponse``."""
    parts = [part for part in name.split("_") if part]
    if not parts:
        return ""
    head = parts[0].capitalize() if upper_first else parts[0].lower()
    return head + "".join(part.capitalize() for part in parts[1:])


def title_case(text):
    """Capitalise words, keeping small words lower case unless first or last."""
    words = text.split()
    result = []
    for index, word in enumerate(words):
        is_edge = index == 0 or index == len(words) - 1
        if word.lower() in SMALL_WORDS and not is_edge:
            result.append(word.lower())
        else:
            result.append(word[:1].upper() + word[1:].lower())
    return " ".join(result)
