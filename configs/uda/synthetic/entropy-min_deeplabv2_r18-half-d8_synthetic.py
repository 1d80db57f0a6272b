# Entropy minimisation on target key frames (ADVENT's MinEnt) plus source supervision.
_base_ = ['../_base_/synthetic_uda.py']
model = dict(type='EntropyMinUDA', lambda_ent=0.001)
