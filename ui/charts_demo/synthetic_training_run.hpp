#pragma once
// A made-up but realistic training run for the demo and the screenshots: a noisy, decaying DSM
// loss with a held-out loss every 100 steps, per-level losses, a learning-rate rollback,
// checkpoints every 5000 steps and sample previews that sharpen over time.
class TrainDashboard;

void feedSyntheticTrainingRun(TrainDashboard& dashboard, int steps, int totalSteps);
