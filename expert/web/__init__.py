"""``myotrace serve``: the consultation room and the teaching room in the browser (CONTRACT §6).

Imported only by the ``serve`` command: no other command loads Starlette, Jinja2 or uvicorn.
"""
