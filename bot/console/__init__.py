"""The local console's parts: Block Kit as text, forms, simulated time, files and the tour."""
