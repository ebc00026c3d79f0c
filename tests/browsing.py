"""Steps in a page served by `myotrace serve` that never race htmx or app.js.

htmx swaps new content in, then wires it (hx-post, app.js's handlers through ``htmx:load``) in
its settle step, 20 ms later. A key or click in between reaches a form htmx has not wired: the
browser submits it as a plain GET, nothing is recorded, and the test waits for ever. After a
navigation, keys pressed before the deferred app.js has run are lost the same way.

So every step waits for a settled page first: the document loaded (deferred scripts run),
htmx present, and no element in an htmx request, swap or settle (``.htmx-request``,
``.htmx-swapping``, ``.htmx-settling``, ``.htmx-added``). Use ``click``/``press`` for every
click and key, ``arrive`` to wait for the next screen; other actions (fill, check) come after
one of those, on a settled page.
"""
SETTLED = ("() => document.readyState === 'complete' && Boolean(window.htmx)"
           " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


def settle(page, timeout: float = 30_000) -> None:
    page.wait_for_function(SETTLED, timeout=timeout)


def click(page, target) -> None:
    """Click a selector (str) or a locator, once the page is settled."""
    settle(page)
    if isinstance(target, str):
        page.click(target)
    else:
        target.click()


def press(page, key: str) -> None:
    settle(page)
    page.keyboard.press(key)


def arrive(page, selector: str) -> None:
    """Wait for the next screen's element, then for htmx to have wired it."""
    page.wait_for_selector(selector)
    settle(page)


def shoot(page, path, **options) -> None:
    """A screenshot for a person to look at, taken only when $MYOTRACE_SHOTS names a folder.

    The tests measure what a person would see (heights, widths, positions, PDF pages) whether or
    not a picture is kept; a full-page PNG costs up to a second, so a plain test run skips them.
    """
    import os
    if os.environ.get("MYOTRACE_SHOTS"):
        page.screenshot(path=str(path), **options)
