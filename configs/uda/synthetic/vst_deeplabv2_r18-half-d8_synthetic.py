# VST alone: video self-training started from the source-only checkpoint.
_base_ = ['./vat2vst_deeplabv2_r18-half-d8_synthetic.py']
load_from = 'work_dirs/source-only-uda_deeplabv2_r18-half-d8_synthetic/iter_400.pth'
