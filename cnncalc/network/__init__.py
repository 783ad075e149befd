"""Networks as cnncalc reads them, no torch: layers and the one registry of their kinds (``layer``,
``kinds``), chains written as text (``chain``), what a MODEL argument names (``models``), and a tensor's way
through a chain (``trace``)."""
