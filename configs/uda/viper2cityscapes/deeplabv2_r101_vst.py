# VST alone, from the source-only checkpoint.
_base_ = ['./deeplabv2_r101_vat2vst.py']
load_from = 'work_dirs/deeplabv2_r101_source-only/iter_120000.pth'
