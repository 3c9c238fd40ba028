"""The live tree view of a LocalDict, or of any persidict store: an anywidget and what it shows.

The middle layer: it reads our stores through ``engine.inspection`` and persidict's
through ``sources``, and fills the engine's display hook (``display``); the magics
build on it. Imported only when a
store is first shown, so ``import localdict_nb`` stays free of the widget stack.
Modules: ``protocol`` (the contract with the browser), ``requests`` (what the
browser may ask), ``tree_widget`` (the traits and request handling every view
shares); for our LocalDict ``model`` (what is shown) and ``widget`` (the
anywidget, live by pulling from the engine) with ``flusher`` (the one thread that
pulls changes into every live view, about ten times a second, skipping views no
page shows); for persidict's stores ``store_model`` and ``store_widget`` (live by
polling, through ``localdict_nb.sources``); ``display`` (the display hooks),
``fallback`` (the static text and HTML), ``host`` (the IPython session, if any);
``static/`` holds the JS bundle.
"""
