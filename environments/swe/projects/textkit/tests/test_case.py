from textkit import camel_to_snake, snake_to_camel, title_case


def test_camel_to_snake_simple():
    assert camel_to_snake("parseResponse") == "parse_response"


def test_camel_to_snake_acronym():
    assert camel_to_snake("parseHTTPResponse") == "parse_http_response"


def test_camel_to_snake_leading_upper():
    assert camel_to_snake("Value") == "value"


def test_snake_to_camel_lower_first():
    assert snake_to_camel("parse_http_response") == "parseHttpResponse"


def test_snake_to_camel_upper_first():
    assert snake_to_camel("make_key", upper_first=True) == "MakeKey"


def test_snake_to_camel_empty():
    assert snake_to_camel("__") == ""


def test_title_case_small_words():
    assert title_case("the lord of the rings") == "The Lord of the Rings"


def test_title_case_last_word_capitalised():
    assert title_case("what it is made of") == "What It Is Made Of"
