"""The examples in the public docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = ["infoscope.estimators", "infoscope.estimators.many", "infoscope.stats", "infoscope.networks.inference",
           "infoscope.feature_selection.scores", "infoscope.feature_selection.selectors"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
