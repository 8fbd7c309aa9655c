"""Plots work inside a real Jupyter kernel with the pinned IPython and matplotlib.

d2l 1.0.3 pins matplotlib 3.7.2, whose inline backend fails at the first plot
under IPython 9 (``ImportError: cannot import name 'backend2gui'``). The pinned
set keeps IPython 8; this test draws a plot in a kernel to prove it.
"""

import nbformat
from nbclient import NotebookClient


def test_inline_plot_in_a_kernel():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "%matplotlib inline\n"
            "import IPython, matplotlib, matplotlib.pyplot as plt\n"
            "import d2lrnn\n"
            "from d2lrnn import plot\n"
            "print(IPython.__version__, matplotlib.__version__)"
        ),
        nbformat.v4.new_code_cell("plot.plot([0, 1, 2], [2, 0, 1], xlabel='x');"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    print("IPython, matplotlib:", nb.cells[0].outputs[0].text)
    data = [o.get("data", {}) for o in nb.cells[1].outputs]
    assert any("image/png" in d for d in data), nb.cells[1].outputs
