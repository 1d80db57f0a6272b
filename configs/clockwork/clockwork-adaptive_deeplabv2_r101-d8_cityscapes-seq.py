# Adaptive clock with DeepLab-v2 R101 on Cityscapes sequences: layer2-4 rerun
# when layer1's features changed by more than the threshold (relative L1)
# since the last full update. Tune the threshold for a target update rate:
#   python tools/analysis_tools/tune_clock.py THIS_CONFIG --checkpoint C --target-rate 0.5
_base_ = './clockwork-alternating_deeplabv2_r101-d8_cityscapes-seq.py'
model = dict(
    schedule='adaptive', change_signal='features', threshold=0.25)
