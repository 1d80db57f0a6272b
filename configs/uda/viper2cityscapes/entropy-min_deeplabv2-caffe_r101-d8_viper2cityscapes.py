# Entropy minimisation (ADVENT's MinEnt) on target frames.
_base_ = ['../_base_/viper2cityscapes_uda.py']
model = dict(type='EntropyMinUDA', lambda_ent=0.001)
