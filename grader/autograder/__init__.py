"""Packaging cnngrade for LMSs and CI: Gradescope zip, PrairieLearn image, CI workflows."""
