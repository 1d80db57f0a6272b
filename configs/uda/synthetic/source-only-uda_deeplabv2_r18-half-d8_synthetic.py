# Source-only in the UDA framework (same data stream and schedule as the UDA methods).
#   python tools/train.py configs/uda/synthetic/source-only-uda_deeplabv2_r18-half-d8_synthetic.py
_base_ = ['../_base_/synthetic_uda.py']
