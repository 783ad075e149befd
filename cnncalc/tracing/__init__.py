"""Running user models: the trace engine (every aten operation seen and priced, attributed to the module and
function calls that ran it), apart from single-layer confirmation. Everything here but ``costs`` imports torch,
so it is imported only when a Python model is traced."""
