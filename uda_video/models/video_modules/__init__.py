from .attention_propagation import AttentionPropagation, attention_propagate
from .td_subnetwork import PSPSubNetwork

__all__ = ['AttentionPropagation', 'PSPSubNetwork', 'attention_propagate']
