"""Pure functions for metric statistics (testable without a model)."""
from .iou import intersect_and_union, iou_from_areas, subset_mean
from .pseudo_label_quality import (STAT_ROWS, pseudo_label_quality,
                                   pseudo_label_stats, threshold_for_coverage)
from .temporal import consistency_areas, forward_backward_mask, warp_labels
from .vpq import (VOID, compact_ids, encoded_segment_table, joint_histogram,
                  merge_pair_counts, pq_from_stat, pq_stat_from_intersections,
                  pq_summary, video_pq_stats, vpq_results)

__all__ = [
    'intersect_and_union', 'iou_from_areas', 'subset_mean', 'STAT_ROWS',
    'pseudo_label_quality', 'pseudo_label_stats', 'threshold_for_coverage',
    'consistency_areas', 'forward_backward_mask', 'warp_labels', 'VOID',
    'compact_ids', 'encoded_segment_table', 'joint_histogram',
    'merge_pair_counts', 'pq_from_stat', 'pq_stat_from_intersections',
    'pq_summary', 'video_pq_stats', 'vpq_results'
]
