# Executes a notebook with Python Jupyter's nbclient, the reference our runner is compared with (nbclient.test.ts).
import sys

import nbformat
from nbclient import NotebookClient

source, target, cwd = sys.argv[1:4]
notebook = nbformat.read(source, as_version=4)
NotebookClient(notebook, kernel_name="tslab", timeout=120, startup_timeout=120,
               resources={"metadata": {"path": cwd}}).execute()
nbformat.write(notebook, target)
