"""The shop as a small web site (FastAPI): the same `Engine` pages drawn as HTML.

A person shops in a browser: ``/`` opens a session on a goal (``?split=heldout&task=3``
picks one), every button posts the action it stands for (``click[Buy Now]``,
``search[...]``) to ``/{sid}/act``, and the done page shows WebShop's score. Serve with
``python -m agentrl.environments.webshop.server --port 3000``.
"""

from __future__ import annotations

import argparse
import html
import secrets
import socket
import threading
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse

from agentrl.environments.webshop.engine import Element, Engine, Session
from agentrl.environments.webshop.shop import Shop, load_shop

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#222}
header{background:#232f3e;color:#fff;padding:12px 24px;font-size:22px;font-weight:600}
main{max-width:980px;margin:24px auto;background:#fff;padding:24px;border-radius:8px}
.instruction{background:#fff8e1;border-left:4px solid #f0a500;padding:10px 14px;margin-bottom:16px}
.error{background:#fdecea;border-left:4px solid #d93025;padding:8px 14px;margin-bottom:12px}
form{display:inline-block;margin:3px}
button{cursor:pointer;border:1px solid #999;border-radius:4px;background:#eee;padding:6px 12px}
button.btn{background:#0d6efd;color:#fff;border-color:#0d6efd}
button.buy{background:#ffa41c;border-color:#e88b00;color:#111;font-size:18px}
button.product-link{background:none;border:none;color:#0645ad;text-decoration:underline;font-weight:600}
button.option.selected{background:#232f3e;color:#fff}
.product{border-bottom:1px solid #ddd;padding:8px 0}
input#search_input{width:70%;padding:8px;font-size:16px}
#reward{font-size:28px;color:#0a7d32}
"""


@dataclass
class _Slot:
    session: Session
    error: str = ""


def _button(element: Element) -> str:
    action = html.escape(f"click[{element.text}]", quote=True)
    if element.kind == "link":
        css = "product-link"
    elif element.kind == "option":
        css = "option selected" if element.selected else "option"
    else:
        css = "btn buy" if element.text == "Buy Now" else "btn"
    return (
        f'<form method="post" action="act"><input type="hidden" name="action" value="{action}">'
        f'<button type="submit" class="{css}">{html.escape(element.text)}</button></form>'
    )


def render_html(elements: list[Element], error: str = "") -> str:
    """An HTML page drawing ``elements`` (products grouped as link, title, price)."""
    body = [f'<div class="error">{html.escape(error)}</div>'] if error else []
    index = 0
    while index < len(elements):
        element = elements[index]
        if element.kind == "text" and element.text == "Instruction:":
            body.append(
                f'<div class="instruction" id="instruction-text"><b>Instruction:</b> '
                f"{html.escape(elements[index + 1].text)}</div>"
            )
            index += 2
            continue
        if element.kind == "link":
            details = "".join(
                f"<div>{html.escape(e.text)}</div>" for e in elements[index + 1 : index + 3]
            )
            body.append(f'<div class="product">{_button(element)}{details}</div>')
            index += 3
            continue
        if element.clickable:
            body.append(_button(element))
        elif element.kind == "search_bar":
            body.append(
                '<form method="post" action="act" style="width:100%">'
                '<input id="search_input" name="query" placeholder="Search..." required>'
                '<button type="submit" class="btn">Search</button></form>'
            )
        elif element.kind == "title":
            body.append(f"<h2>{html.escape(element.text)}</h2>")
        elif element.kind == "option_group":
            body.append(f"<h4>{html.escape(element.text)}</h4>")
        elif element.text.startswith("Your score"):
            body.append(
                f'<h3>{html.escape(element.text)}</h3><div id="reward">'
                f"{html.escape(elements[index + 1].text)}</div>"
            )
            index += 1
        else:
            body.append(f"<p>{html.escape(element.text)}</p>")
        index += 1
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>WebShop</title>"
        f"<style>{STYLE}</style></head><body><header>WebShop</header>"
        f"<main>{''.join(body)}</main></body></html>"
    )


def create_app(shop: Shop) -> FastAPI:
    """A FastAPI app serving ``shop``; sessions live in the app's memory."""
    app = FastAPI(title="WebShop")
    engine = Engine(shop)
    slots: dict[str, _Slot] = {}
    lock = threading.Lock()

    @app.get("/")
    def start(split: str = "heldout", task: int = 0) -> RedirectResponse:
        goals = shop.goals.get(split)
        if not goals:
            raise HTTPException(404, f"unknown split {split!r}; splits: {', '.join(shop.goals)}")
        sid = secrets.token_hex(8)
        with lock:
            slots[sid] = _Slot(Session(goal=dict(goals[task % len(goals)])))
        return RedirectResponse(f"/{sid}/", status_code=303)

    def slot_of(sid: str) -> _Slot:
        if sid not in slots:
            raise HTTPException(404, f"no session {sid!r}; open / to start one")
        return slots[sid]

    @app.get("/{sid}/", response_class=HTMLResponse)
    def show(sid: str) -> str:
        slot = slot_of(sid)
        return render_html(engine.page(slot.session), slot.error)

    @app.post("/{sid}/act")
    def act(sid: str, action: str = Form(""), query: str = Form("")) -> RedirectResponse:
        slot = slot_of(sid)
        with lock:
            outcome = engine.act(slot.session, f"search[{query}]" if query else action)
            slot.error = "" if outcome.valid else f"Invalid action: {outcome.error}."
        return RedirectResponse(f"/{sid}/", status_code=303)

    return app


class BackgroundServer:
    """Serve an app on 127.0.0.1 at an ephemeral port in a thread; `stop` ends it."""

    def __init__(self, app: FastAPI) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        while not self._server.started and self._thread.is_alive():
            self._thread.join(0.05)

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()


def main() -> None:
    """Command line: serve a generated (or real) catalog for a person to shop in."""
    parser = argparse.ArgumentParser(description="Serve the WebShop site.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--num-products", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--items-path", default=None)
    parser.add_argument("--attributes-path", default=None)
    parser.add_argument("--human-goals-path", default=None)
    args = parser.parse_args()
    shop = load_shop(
        args.num_products, args.seed, args.items_path, args.attributes_path, args.human_goals_path
    )
    uvicorn.run(create_app(shop), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
