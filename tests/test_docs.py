"""The examples in the public docstrings run and print what they say."""

import doctest

import infoscope.estimators


def test_docstring_examples():
    result = doctest.testmod(infoscope.estimators, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
