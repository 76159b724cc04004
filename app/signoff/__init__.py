"""The reviewer's sign-off of a case's opinion: preview, sign, export and addenda.

It sits above the form (app.opinion) and the letter (app.report): it renders with
app.report, signs with app.signing and keeps the result with app.store.
"""
