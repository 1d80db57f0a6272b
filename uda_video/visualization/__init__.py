"""Visualizers, logging backends and the evaluation-panel hook."""
from .colorize import colorize_labels, prediction_panel
from .demo_figure import DemoFigure, write_demo_figure
from .hooks import EvalVisualizationHook
from .visualizer import VideoSegVisualizer
from .wandb_backend import IterWandbVisBackend, resolve_wandb_mode
from .wandb_reader import read_wandb_history, read_wandb_records

__all__ = [
    'colorize_labels', 'prediction_panel', 'EvalVisualizationHook',
    'VideoSegVisualizer', 'IterWandbVisBackend', 'resolve_wandb_mode',
    'read_wandb_history', 'read_wandb_records', 'DemoFigure',
    'write_demo_figure'
]
