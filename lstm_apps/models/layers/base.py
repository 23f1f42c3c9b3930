"""The package name under which every custom layer is registered.

A `.keras` file names a custom layer by its registered name,
`"lstm_apps>ClassName"`, not by the module that defines it, so layers can
move between modules without breaking saved models as long as this name and
the class names stay the same.
"""

PACKAGE = "lstm_apps"
