# VST alone: video self-training started from the source-only checkpoint.
_base_ = ['./deeplabv2_r18-half_vat2vst.py']
load_from = 'work_dirs/deeplabv2_r18-half_source-only_uda/iter_400.pth'
