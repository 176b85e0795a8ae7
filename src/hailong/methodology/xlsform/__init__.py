"""XLSForm in and out: the spreadsheet format of ODK, KoboToolbox and Ona.

* :mod:`.problems`: what is wrong with a form, and where (sheet, row, column);
* :mod:`.workbook`: a workbook's cells as text, and what each column of a sheet holds;
* :mod:`.kinds`: which question kind an XLSForm type means, and which types are refused;
* :mod:`.reader`: import, a workbook into a definition (checked by pyxform) and a new version;
* :mod:`.writer`: export, a definition as .xlsx and as XForm.
"""

from hailong.methodology.xlsform.problems import SheetProblem, XLSFormRejected
from hailong.methodology.xlsform.reader import read_xlsform, xlsform_import
from hailong.methodology.xlsform.workbook import language_key
from hailong.methodology.xlsform.writer import (
    definition_to_xform,
    definition_to_xlsform,
    version_to_xform,
    version_to_xlsform,
)

__all__ = [
    "SheetProblem",
    "XLSFormRejected",
    "definition_to_xform",
    "definition_to_xlsform",
    "language_key",
    "read_xlsform",
    "version_to_xform",
    "version_to_xlsform",
    "xlsform_import",
]
