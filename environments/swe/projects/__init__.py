"""Small pure-Python libraries with their tests: the repositories of generated SWE tasks.

Each sub-folder is one project (``<name>/<name>/`` the library, ``<name>/tests/`` its
tests). The ``__init__.py`` files at the project roots only make setuptools ship them as
package data; the task builder leaves them out of the repository it copies.
"""
