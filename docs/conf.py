"""Sphinx configuration of the infoscope documentation: `python -m sphinx -W -b html docs docs/_build/html`.

The gallery runs the scripts of examples/ at the short settings their tests use (a few epochs) and shows the
figures they write: all eleven in about a minute on 2 cores. INFOSCOPE_DOCS_EXAMPLES, a regular expression of example
names (default: all), runs fewer; the others are shown as code.
"""

import os
import shutil
from pathlib import Path

import infoscope

project = "infoscope"
author = "the infoscope developers"
release = version = infoscope.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
# The docstrings are prose with "Parameters"-style sections only in places: render them, do not validate them.
numpydoc_show_class_members = False
numpydoc_validation_checks: set = set()
myst_heading_anchors = 3
html_theme = "alabaster"
# The gallery's configuration holds functions (below), which Sphinx cannot pickle into its cache: it then rebuilds
# the environment each time, which is what a docs build in CI does anyway.
suppress_warnings = ["config.cache"]
html_title = f"infoscope {release}"

# --- The gallery: examples/*.py run as scripts with these arguments; each writes its figures to its --out folder.
GALLERY_OUT = Path(__file__).parent / "_build" / "gallery-out"
QUICK_ARGUMENTS = {
    "butakov_plane": ["--epochs", "3", "--autoencoder-epochs", "3"],
    "continual_forgetting": ["--epochs", "3", "--code-epochs", "5"],
    "critical_periods": ["--epochs", "3", "--removal", "0", "2", "--seeds", "1", "--fisher", "0", "2"],
    "digits_cnn": ["--epochs", "2"],
    "digits_prequential": ["--epochs", "10"],
    "feature_selection": [],
    "fisher_training": ["--epochs", "3", "--variational-steps", "100"],
    "pretrained_transfer": ["--epochs", "10"],
    "te_guided_training": ["--epochs", "3", "--seeds", "2", "--target", "0.5"],
    "te_network": ["--nodes", "4", "--T", "600", "--n-perm", "40"],
    "twelve_bit": ["--epochs", "3"],
}


def example_arguments(gallery_conf, script_vars):
    name = Path(script_vars["src_file"]).stem
    out = GALLERY_OUT / name
    shutil.rmtree(out, ignore_errors=True)
    return [*QUICK_ARGUMENTS.get(name, []), "--out", str(out)]


def written_figures(block, block_vars, gallery_conf):
    """The PNG files the example wrote to its --out folder, as the gallery's images."""
    from sphinx_gallery.scrapers import figure_rst

    out = GALLERY_OUT / Path(block_vars["src_file"]).stem
    images = []
    for png, target in zip(sorted(out.glob("*.png")), block_vars["image_path_iterator"]):
        shutil.copyfile(png, target)
        images.append(target)
        png.unlink()  # shown once
    return figure_rst(images, gallery_conf["src_dir"])


sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/(" + os.environ.get("INFOSCOPE_DOCS_EXAMPLES", ".*") + r")\.py$",
    "ignore_pattern": r"__init__\.py",
    "reset_argv": example_arguments,
    "image_scrapers": (written_figures,),
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}
