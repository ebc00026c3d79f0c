"""Presentation: text helpers, terminal and markdown rendering, the HTML page and its body chart."""
