namespace DragVideo.Diffusion.Lora;

/// <summary>Progress of one LoRA training step.</summary>
/// <param name="Step">1-based step.</param>
/// <param name="TotalSteps">planned steps.</param>
/// <param name="Loss">the Eq. 1 loss (noise-prediction MSE) of this step's batch, before the update.</param>
/// <param name="Timestep">the sampled diffusion timestep.</param>
/// <param name="FirstFrame">first frame of the sampled window.</param>
public sealed record LoraTrainingStep(int Step, int TotalSteps, double Loss, long Timestep, int FirstFrame);
