"""Opinion form templates (FHIR Questionnaire subset) and drafts."""
