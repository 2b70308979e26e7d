"""The one-tap reminder buttons: real links (tel:, sms:, Zalo, mailto:) that also tell the server.

A tap on a link opens the phone's dialer, its messages app or Zalo (the browser does that, on
the person's own tap, so no phone blocks it) and sends the server a trigger naming the channel,
which records the reminder. «Chép» copies the message (the Clipboard API, else the old
`execCommand('copy')` of a hidden text box) and records it too.

Built with Streamlit's components v2 (inline HTML/JS, no build step). The links are made with
`createElement` and `textContent`/`setAttribute` from the data the page passes: no sheet text
ever becomes HTML here, and every URL was built and percent-encoded by the core.
"""

from __future__ import annotations

import streamlit as st

EVENT = "tap"
_ALLOWED_SCHEMES = ("tel:", "sms:", "https://zalo.me/", "mailto:")

_CSS = """
.reminder-actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .15rem 0 .25rem; }
.reminder-actions a {
  display: inline-flex; align-items: center; justify-content: center; gap: .3rem;
  min-height: 2.75rem; min-width: 5.5rem; padding: .35rem .9rem; box-sizing: border-box;
  border: 1px solid rgba(49, 51, 63, .25); border-radius: .5rem; text-decoration: none;
  font: inherit; font-size: 1rem; color: inherit; background: transparent; cursor: pointer;
}
.reminder-actions a.primary { background: #1f6f43; border-color: #1f6f43; color: #fff; }
.reminder-actions a:active { filter: brightness(.9); }
"""

_JS = """
function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text).then(() => true, () => fallbackCopy(text));
  }
  return Promise.resolve(fallbackCopy(text));
}
function fallbackCopy(text) {
  const box = document.createElement('textarea');
  box.value = text;
  box.setAttribute('readonly', '');
  box.style.position = 'fixed';
  box.style.opacity = '0';
  document.body.appendChild(box);
  box.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
  document.body.removeChild(box);
  return ok;
}
export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  let root = parentElement.querySelector('.reminder-actions');
  if (!root) {
    root = document.createElement('div');
    root.className = 'reminder-actions';
    parentElement.appendChild(root);
  }
  root.replaceChildren();
  for (const link of (data && data.links) || []) {
    const a = document.createElement('a');
    a.textContent = link.label;
    a.dataset.channel = link.channel;
    a.setAttribute('role', link.href ? 'link' : 'button');
    if (link.primary) a.classList.add('primary');
    if (link.href) {
      a.setAttribute('href', link.href);
      if (link.href.startsWith('https://')) {
        a.setAttribute('target', '_blank');
        a.setAttribute('rel', 'noopener noreferrer');
      }
    } else {
      a.setAttribute('href', '#');
      a.setAttribute('tabindex', '0');
    }
    a.addEventListener('click', (event) => {
      if (!link.href) {
        event.preventDefault();
        copyText(data.text || '').then((ok) => {
          a.textContent = ok ? data.copied : data.not_copied;
        });
      }
      setTriggerValue('tap', link.channel);
    });
    root.appendChild(a);
  }
}
"""

_ACTIONS = st.components.v2.component("tothu.reminder_actions", css=_CSS, js=_JS)


def link(channel: str, label: str, href: str | None = None, *, primary: bool = False) -> dict:
    """One button; `href` None is a copy button. Only the core's own schemes are accepted."""
    if href is not None and not href.startswith(_ALLOWED_SCHEMES):
        raise ValueError(f"not a reminder link: {href[:40]!r}")
    return {"channel": channel, "label": label, "href": href, "primary": primary}


def actions(*, key: str, links: list[dict], text: str, on_tap) -> None:
    """The row of buttons; `on_tap()` runs (before the next run) when one is tapped."""
    _ACTIONS(
        key=key,
        data={
            "links": links,
            "text": text,
            "copied": "Đã chép ✓",
            "not_copied": "Chưa chép được: hãy chép ở ô tin nhắn",
        },
        on_tap_change=on_tap,
        height="content",
    )


def tapped(key: str) -> str | None:
    """The channel just tapped on the component `key` (read inside `on_tap`)."""
    state = st.session_state.get(key)
    try:
        value = state[EVENT] if state is not None else None
    except (KeyError, TypeError):
        value = getattr(state, EVENT, None)
    return value if isinstance(value, str) else None
