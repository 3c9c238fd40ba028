"""The live tree view of a LocalDict: an anywidget and what it shows.

Imported only when a dict is displayed (``LocalDict.tree``, ``_repr_mimebundle_``,
``_display_``), so ``import localdict_nb`` stays free of the widget stack.
"""
