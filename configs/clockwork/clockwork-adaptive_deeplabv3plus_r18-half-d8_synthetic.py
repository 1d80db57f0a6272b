# Adaptive clock on the synthetic benchmark: stem + layer1 every frame; layer2-4
# when the relative change of layer1's features since the last full update
# passes the threshold. Tune it for a target update rate on unlabelled video:
#   python tools/analysis_tools/tune_clock.py THIS_CONFIG --checkpoint C --target-rate 0.5
_base_ = './clockwork-alternating_deeplabv3plus_r18-half-d8_synthetic.py'
model = dict(
    schedule='adaptive', change_signal='features', threshold=0.25)
