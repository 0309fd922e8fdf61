"""Icon-only buttons' glyphs: small inline SVGs (24 x 24, stroked), named as a user says them."""

from __future__ import annotations

ICONS: dict[str, str] = {
    "search": '<circle cx="10" cy="10" r="6"/><path d="M15 15l6 6"/>',
    "close": '<path d="M5 5l14 14M19 5L5 19"/>',
    "add": '<path d="M12 4v16M4 12h16"/>',
    "remove": '<path d="M4 12h16"/>',
    "menu": '<path d="M3 6h18M3 12h18M3 18h18"/>',
    "home": '<path d="M3 11l9-8 9 8v10h-6v-6H9v6H3z"/>',
    "star": '<path d="M12 3l2.8 6 6.2.6-4.7 4.2 1.4 6.2L12 17l-5.7 3 1.4-6.2L3 9.6 9.2 9z"/>',
    "delete": '<path d="M4 6h16M9 6V3h6v3M6 6l1 15h10l1-15"/>',
    "settings": '<circle cx="12" cy="12" r="3"/><path d="M12 2v3M12 19v3M2 12h3M19 12h3'
                'M5 5l2 2M17 17l2 2M5 19l2-2M17 7l2-2"/>',
    "notifications": '<path d="M6 16V11a6 6 0 0112 0v5l2 2H4zM10 20h4"/>',
    "download": '<path d="M12 3v12M7 10l5 5 5-5M4 20h16"/>',
    "upload": '<path d="M12 21V9M7 14l5-5 5 5M4 4h16"/>',
    "refresh": '<path d="M20 12a8 8 0 11-3-6.2M20 4v5h-5"/>',
    "share": '<circle cx="6" cy="12" r="2.5"/><circle cx="18" cy="6" r="2.5"/>'
             '<circle cx="18" cy="18" r="2.5"/><path d="M8 11l8-4M8 13l8 4"/>',
    "edit": '<path d="M4 20l4-1 11-11-3-3L5 16zM14 6l3 3"/>',
    "profile": '<circle cx="12" cy="8" r="4"/><path d="M4 21c1-5 15-5 16 0"/>',
    "mail": '<rect x="3" y="5" width="18" height="14"/><path d="M3 6l9 7 9-7"/>',
    "lock": '<rect x="5" y="11" width="14" height="10"/><path d="M8 11V7a4 4 0 018 0v4"/>',
    "play": '<path d="M7 4l13 8-13 8z"/>',
    "bookmark": '<path d="M6 3h12v18l-6-5-6 5z"/>',
    "calendar": '<rect x="3" y="5" width="18" height="16"/><path d="M3 10h18M8 3v4M16 3v4"/>',
    "filter": '<path d="M3 4h18l-7 9v6l-4 2v-8z"/>',
    "more": '<circle cx="5" cy="12" r="1.5"/><circle cx="12" cy="12" r="1.5"/>'
            '<circle cx="19" cy="12" r="1.5"/>',
    "back": '<path d="M15 4l-8 8 8 8"/>',
    "attach": '<path d="M16 7l-7 7a2 2 0 003 3l8-8a4 4 0 00-6-6l-8 8a6 6 0 009 9l6-6"/>',
    "print": '<rect x="6" y="3" width="12" height="6"/><rect x="3" y="9" width="18" height="8"/>'
             '<rect x="7" y="14" width="10" height="7"/>',
}


def svg(name: str, size: int) -> str:
    """The inline SVG of icon ``name`` at ``size`` pixels, stroked in the text colour."""
    return (
        f'<svg width="{size}" height="{size}" viewBox="0 0 24 24" fill="none" '
        f'stroke="currentColor" stroke-width="2" stroke-linecap="round" '
        f'stroke-linejoin="round" aria-hidden="true">{ICONS[name]}</svg>'
    )
