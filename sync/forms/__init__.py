"""Questionnaires authored in Excel (XLSForm), shared by the service and the laptop.

``read_xlsform`` turns an .xlsx into a ``Questionnaire`` (checked with pyxform, then with our
own rules, so a form is refused at publication rather than at the door); ``validate``,
``visible_fields`` and ``clean`` apply it to a household's answers. No Qt, no FastAPI: the
service validates what the laptops push with the very code the laptops ran.
"""

from sync.forms.answers import clean, initial_answers, validate, visible_fields
from sync.forms.definition import FIELD_TYPES, Choice, Field, Group, Questionnaire
from sync.forms.errors import FormError
from sync.forms.xlsform import read_xlsform

__all__ = [
    "FIELD_TYPES",
    "Choice",
    "Field",
    "FormError",
    "Group",
    "Questionnaire",
    "clean",
    "initial_answers",
    "read_xlsform",
    "validate",
    "visible_fields",
]
