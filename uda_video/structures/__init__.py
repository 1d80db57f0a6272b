"""Readers of the fields the project's data samples carry."""
from .sample_flow import sample_flow, sample_has_flow

__all__ = ['sample_flow', 'sample_has_flow']
