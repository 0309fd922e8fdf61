"""The screens' layouts, each a function that writes a page body with a `Builder`.

Train and valid screens use `TRAIN_LAYOUTS`; heldout screens use `HELDOUT_LAYOUTS`, which
no train screen uses (with `HELDOUT_THEMES`, see `agentrl.environments.gui.tasks`).
"""

from __future__ import annotations

from agentrl.environments.gui.screens import ORDINALS, Builder, Layout

PEOPLE = ["Ada Park", "Ben Okafor", "Chen Wei", "Dana Ruiz", "Eli Novak", "Farah Said",
          "Gus Lind", "Hana Mori", "Ivan Petrov", "Jo Kim"]
SUBJECTS = ["Quarterly report", "Lunch on Friday?", "Invoice #4821", "Design review notes",
            "Your order has shipped", "Team offsite", "Password reset", "Weekly digest",
            "Meeting moved", "Welcome aboard"]
SETTINGS = ["Dark mode", "Notifications", "Auto-update", "Location access", "Bluetooth",
            "Wi-Fi", "Sync contacts", "Two-factor login", "Sound effects", "Data saver"]
SECTIONS = ["General", "Account", "Privacy", "Display", "Sound", "Storage", "Security",
            "Language", "Billing", "Help"]
FILES = ["budget.xlsx", "notes.txt", "photo_0412.jpg", "slides.pptx", "draft.docx",
         "archive.zip", "logo.svg", "data.csv", "readme.md", "backup.tar"]
SETTING = "account settings"
PRODUCTS = ["Trail shoes", "Desk lamp", "Coffee grinder", "Wool scarf", "Phone stand",
            "Water bottle", "Notebook", "Headphones", "Yoga mat", "Backpack"]


def _names(b: Builder, pool: list[str], count: int) -> list[str]:
    return b.rng.sample(pool, count)


def _toolbar(b: Builder, count: int) -> str:
    return "".join(b.icon(name) for name in b.pick_icons(count))


def settings(b: Builder) -> str:
    """Desktop settings: a section sidebar, switches, a form and Save / Cancel."""
    sections = _names(b, SECTIONS, b.rng.randint(5, 8))
    side = "".join(b.link(name, b.say(f"open the {name} settings", f"go to {name}"))
                   for name in sections)
    toggles = "".join(b.toggle(name, b.rng.random() < 0.5)
                      for name in _names(b, SETTINGS, b.rng.randint(3, 6)))
    form = b.field("Display name", b.rng.choice(PEOPLE)) + b.field("Email", "name@example.com")
    return (f'<div class="bar">{b.text("Settings", cls="title")}<span class="grow"></span>'
            f'{b.icon("search", label="search settings")}{b.icon("close")}</div>'
            f'<div class="main"><div class="side">{side}</div><div class="content">'
            f'{b.text(sections[0], "h2")}<div class="card">{toggles}</div>{form}'
            f'{b.button("Save", primary=True)} {b.button("Cancel")}</div></div>')


def mail(b: Builder) -> str:
    """A mail client: folders, a toolbar of icon buttons, a message list with row actions."""
    folders = "".join(b.link(name) for name in ["Inbox", "Starred", "Sent", "Drafts", "Spam"])
    senders = _names(b, PEOPLE, b.rng.randint(4, 6))
    subjects = _names(b, SUBJECTS, len(senders))
    rows = "".join(
        f'<tr><td>{b.text(who)}</td>'
        f'<td>{b.link(subject, b.say(f"open the email {subject}", subject))}'
        f'</td><td>{b.icon("star", f"star the {ORDINALS[i]} email", label="star")}'
        f'{b.icon("delete", f"delete the {ORDINALS[i]} email", label="delete")}</td></tr>'
        for i, (who, subject) in enumerate(zip(senders, subjects, strict=True)))
    return (f'<div class="bar">{b.icon("menu")}{b.text("Mail", cls="title")}'
            f'<span class="grow"></span>{_toolbar(b, 4)}{b.icon("profile", label="account")}</div>'
            f'<div class="main"><div class="side">{b.button("Compose", primary=True)}'
            f'{folders}</div>'
            f'<div class="content"><table>{rows}</table></div></div>')


def editor(b: Builder) -> str:
    """A document editor: menu bar, an icon toolbar, a document and an open menu."""
    menus = ["File", "Edit", "View", "Insert", "Format", "Tools"]
    bar = "".join(b.button(name, instruction=b.say(f"open the {name} menu", name.lower()))
                  for name in menus)
    opened = b.rng.choice(["Save as", "Export PDF", "Page setup", "Rename", "Version history"])
    items = [opened] + b.rng.sample(["Open recent", "Make a copy", "Share", "Download",
                                     "Print preview", "Properties"], 3)
    menu = "".join(b.menu_item(item) for item in items)
    return (f'<div class="bar">{bar}<span class="grow"></span>{b.button("Share", True)}</div>'
            f'<div class="bar">{_toolbar(b, b.rng.randint(6, 10))}</div>'
            f'<div class="menu" style="left:16px;top:44px">{menu}</div>'
            f'<div class="content" style="padding-left:260px">{b.text("Untitled document", "h1")}'
            f'{b.text(" ".join(SUBJECTS), "p", "muted")}</div>')


def table(b: Builder) -> str:
    """A web dashboard: tabs, a search bar, a data table with per-row edit buttons."""
    tabs = "".join(b.tab(name, i == 0) for i, name in
                   enumerate(b.rng.sample(["Overview", "Orders", "Customers", "Reports",
                                           "Inventory", "Payments"], 4)))
    people = _names(b, PEOPLE, b.rng.randint(4, 7))
    rows = "".join(
        f"<tr><td>{b.text(name)}</td><td>{b.text(f'{b.rng.randint(1, 99)} orders')}</td>"
        f'<td>{b.icon("edit", f"edit the row of {name}", label="edit")}</td></tr>'
        for name in people)
    return (f'<div class="bar">{b.text("Dashboard", cls="title")}<span class="grow"></span>'
            f'{b.field("Search", "Search customers")}{b.icon("filter")}{b.icon("download")}</div>'
            f'<div class="tabs">{tabs}</div><div class="content"><table>'
            f'<tr><th>Name</th><th>Orders</th><th></th></tr>{rows}</table>'
            f'{b.button("Add customer", True)} {b.link("Export CSV")}</div>')


def shop(b: Builder) -> str:
    """A shopping results page: search bar, filters as checkboxes, product cards."""
    products = _names(b, PRODUCTS, b.rng.randint(4, 8))
    cards = "".join(
        f'<div class="card">{b.text(name, "div")}'
        f'{b.text(f"${b.rng.randint(5, 200)}", "div", "muted")}'
        f'{b.button("Add to cart", instruction=f"add the {name.lower()} to the cart")}</div>'
        for name in products)
    filters = "".join(b.checkbox(name) for name in ["Free shipping", "On sale", "In stock"])
    return (f'<div class="bar">{b.link("Home")}{b.field("Search", "Search products")}'
            f'{b.icon("search")}<span class="grow"></span>{b.icon("profile", label="account")}'
            f'{b.link("Cart")}</div><div class="main"><div class="side">{filters}</div>'
            f'<div class="content"><div class="grid">{cards}</div></div></div>')


def signup(b: Builder) -> str:
    """A web form with a confirmation dialog over it (covered fields are not targets)."""
    form = "".join(b.field(label, hint) for label, hint in [
        ("First name", "Ada"), ("Last name", "Lovelace"), ("Email", "you@example.com"),
        ("Password", "8+ characters")])
    dialog = ""
    if b.rng.random() < 0.5:
        dialog = (f'<div class="overlay"></div><div class="dialog">'
                  f'{b.text("Accept the terms to continue", "p")}'
                  f'{b.button("Accept", True)} {b.button("Decline")}'
                  f'{b.icon("close", label="close dialog")}</div>')
    return (f'<div class="bar">{b.text("Create your account", cls="title")}</div>'
            f'<div class="content" style="max-width:520px">{form}'
            f'{b.checkbox("Remember me")}<div>{b.button("Sign up", True)} '
            f'{b.link("Already have an account?")}</div></div>{dialog}')


def mobile_settings(b: Builder) -> str:
    """A phone settings screen: back, title, switches, accounts with settings buttons."""
    accounts = _names(b, PEOPLE, b.rng.randint(2, 4))
    rows = "".join(
        f'<div class="row">{b.text(name)}'
        f'{b.icon("settings", f"open the settings of the {ORDINALS[i]} account", SETTING)}'
        f"</div>" for i, name in enumerate(accounts))
    toggles = "".join(b.toggle(name, b.rng.random() < 0.5)
                      for name in _names(b, SETTINGS, b.rng.randint(3, 5)))
    return (f'<div class="bar">{b.icon("back")}{b.text("Settings", cls="title")}'
            f'<span class="grow"></span>{b.icon("search")}</div>{toggles}'
            f'{b.text("Accounts", "h3")}{rows}<div class="content">'
            f'{b.button("Add account", True)}</div>')


def mobile_feed(b: Builder) -> str:
    """A phone feed: posts with like / share / more buttons, a bottom tab bar."""
    people = _names(b, PEOPLE, 3)
    posts = "".join(
        f'<div class="card">{b.text(name, "b")}{b.text(b.rng.choice(SUBJECTS), "p")}'
        f'{b.icon("star", f"like the post by {name}", "like")}'
        f'{b.icon("share", f"share the post by {name}", "share")}</div>' for name in people)
    nav = "".join(b.tab(name, i == 0) for i, name in
                  enumerate(["Home", "Explore", "Messages", "Profile"]))
    return (f'<div class="bar">{b.text("Feed", cls="title")}<span class="grow"></span>'
            f'{b.icon("notifications")}{b.icon("add", label="new post")}</div>'
            f'<div class="content">{posts}</div>'
            f'<div class="tabs" style="position:fixed;bottom:0;left:0;right:0;'
            f'background:var(--panel)">{nav}</div>')


def file_manager(b: Builder) -> str:
    """(heldout) A file manager: path bar, icon toolbar, a grid of files."""
    files = _names(b, FILES, b.rng.randint(5, 9))
    grid = "".join(f'<div class="card">{b.link(name, b.say(f"open {name}", name))}</div>'
                   for name in files)
    return (f'<div class="bar">{b.icon("back")}{b.icon("refresh")}'
            f'{b.text("/home/user/Documents", cls="muted")}<span class="grow"></span>'
            f'{_toolbar(b, 4)}</div><div class="main"><div class="side">'
            f'{"".join(b.link(n) for n in ["Recent", "Desktop", "Downloads", "Trash"])}</div>'
            f'<div class="content"><div class="grid">{grid}</div>'
            f'{b.button("New folder")} {b.button("Upload", True)}</div></div>')


def mobile_chat(b: Builder) -> str:
    """(heldout) A phone chat: contacts' messages, an input, attach and send buttons."""
    who = b.rng.choice(PEOPLE)
    bubbles = "".join(b.text(b.rng.choice(SUBJECTS), "p", "card") for _ in range(4))
    return (f'<div class="bar">{b.icon("back")}{b.text(who, cls="title")}'
            f'<span class="grow"></span>{b.icon("more", label="more options")}</div>'
            f'<div class="content">{bubbles}</div><div class="bar" style="position:fixed;'
            f'bottom:0;left:0;right:0">{b.icon("attach")}{b.field("Message", "Type a message")}'
            f'{b.button("Send", True)}</div>')


def calendar(b: Builder) -> str:
    """(heldout) A web calendar: month navigation, day cells, an event dialog button."""
    days = "".join(b.button(str(day), instruction=b.say(f"select day {day}", f"open the {day}th"))
                   for day in range(1, 29))
    return (f'<div class="bar">{b.icon("back", label="previous month")}'
            f'{b.text("February", cls="title")}{b.icon("play", label="next month")}'
            f'<span class="grow"></span>{b.button("Today")}{b.button("New event", True)}</div>'
            f'<div class="content"><div class="grid">{days}</div></div>')


LAYOUTS: dict[str, Layout] = {
    "settings": Layout(("desktop",), settings),
    "mail": Layout(("desktop", "web"), mail),
    "editor": Layout(("desktop",), editor),
    "table": Layout(("web",), table),
    "shop": Layout(("web",), shop),
    "signup": Layout(("web",), signup),
    "mobile_settings": Layout(("mobile",), mobile_settings),
    "mobile_feed": Layout(("mobile",), mobile_feed),
    "file_manager": Layout(("desktop",), file_manager),
    "mobile_chat": Layout(("mobile",), mobile_chat),
    "calendar": Layout(("web",), calendar),
}
HELDOUT_LAYOUTS = ("file_manager", "mobile_chat", "calendar")
TRAIN_LAYOUTS = tuple(name for name in LAYOUTS if name not in HELDOUT_LAYOUTS)
