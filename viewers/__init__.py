"""Document and image viewers: a Qt-free model and a thin widget each."""

from viewers import qt_runtime

qt_runtime.install()  # the Qt binding's fix, before any widget of any viewer can call Qt
