"""The live tree view of a LocalDict: an anywidget and what it shows.

The middle layer: it reads stores through ``engine.inspection`` and fills the
engine's display hook (``display``); the magics build on it. Imported only when a
store is first shown, so ``import localdict_nb`` stays free of the widget stack.
Modules: ``protocol`` (the contract with the browser), ``model`` (what is shown),
``requests`` (what the browser may ask), ``widget`` (the anywidget), ``flusher``
(the one thread that pulls changes into every live view, about ten times a
second, skipping views no page shows), ``display`` (the hook), ``fallback`` (the
static text and HTML), ``host`` (the IPython session, if any); ``static/`` holds
the JS bundle.
"""
