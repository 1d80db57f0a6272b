from .conv_neck import ConvNeck

__all__ = ['ConvNeck']
