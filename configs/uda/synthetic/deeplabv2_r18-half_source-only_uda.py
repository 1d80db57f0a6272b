# Source-only in the UDA framework (same data stream and schedule as the UDA methods).
#   python tools/train.py configs/uda/synthetic/deeplabv2_r18-half_source-only_uda.py
_base_ = ['../_base_/synthetic_uda.py']
