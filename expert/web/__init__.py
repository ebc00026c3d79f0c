"""``myotrace serve``: the consultation room and the teaching room in the browser, over a JSON API
(``/api/consultations``) that scripts may use as well.

Imported only by the ``serve`` command: no other command loads Starlette, Jinja2 or uvicorn.
"""
