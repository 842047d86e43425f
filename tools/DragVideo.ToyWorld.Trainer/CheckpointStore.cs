using System.Text.Json;
using DragVideo.Diffusion.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld.Training;

/// <summary>What a checkpoint records besides tensors: where the run is and what it was started with.</summary>
internal sealed record CheckpointState(string Job, int Step, int TotalSteps, int Seed, string Fingerprint, double LossEma, double ElapsedSeconds);

/// <summary>
/// Resumable checkpoints in <c>&lt;run&gt;/checkpoints/step-NNNNNN/</c>: model weights (safetensors), the optimiser state
/// and <c>state.json</c>. A checkpoint is written into a temporary folder and renamed into place only when complete, so a
/// crash or kill mid-write never replaces a good checkpoint with a partial one. Resuming refuses a checkpoint of another
/// job or architecture (fingerprint mismatch) with one clear line.
/// </summary>
internal sealed class CheckpointStore(string runFolder, int keep = 2)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Folder { get; } = Path.Combine(runFolder, "checkpoints");

    public void Save(nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer, CheckpointState state)
    {
        Directory.CreateDirectory(Folder);
        string final = Path.Combine(Folder, $"step-{state.Step:D6}");
        string temp = Path.Combine(Folder, $".step-{state.Step:D6}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            SafetensorsWriter.Save(Path.Combine(temp, "model.safetensors"), model.state_dict());
            optimizer.save_state_dict(Path.Combine(temp, "optimizer.bin"));
            File.WriteAllText(Path.Combine(temp, "state.json"), JsonSerializer.Serialize(state, Json));
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(temp, final);
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
        foreach (var old in List().SkipLast(keep)) Directory.Delete(old, recursive: true);
    }

    /// <summary>The newest complete checkpoint folder, or null.</summary>
    public string? Latest() => List().LastOrDefault();

    public CheckpointState Load(string checkpoint, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer, string job, string fingerprint)
    {
        var stateFile = Path.Combine(checkpoint, "state.json");
        if (!File.Exists(stateFile)) throw new TrainingException($"checkpoint {checkpoint} is incomplete (no state.json); delete it to resume from the one before.");
        CheckpointState state;
        try
        {
            state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(stateFile))
                ?? throw new TrainingException($"checkpoint {checkpoint}: state.json is empty.");
        }
        catch (JsonException e)
        {
            throw new TrainingException($"checkpoint {checkpoint}: state.json is corrupt ({e.Message}).");
        }
        if (state.Job != job || state.Fingerprint != fingerprint)
            throw new TrainingException($"checkpoint {checkpoint} belongs to another run ({state.Job}, {state.Fingerprint}); expected {job}, {fingerprint}. Use a new --out folder.");
        try
        {
            var tensors = SafetensorsReader.Load(Path.Combine(checkpoint, "model.safetensors"));
            try { StateDictLoader.LoadStrict(model, tensors, checkpoint); }
            finally { foreach (var t in tensors.Values) t.Dispose(); }
            optimizer.load_state_dict(Path.Combine(checkpoint, "optimizer.bin"));
        }
        catch (Exception e) when (e is not TrainingException)
        {
            throw new TrainingException($"checkpoint {checkpoint} cannot be loaded: {e.Message}");
        }
        return state;
    }

    private IEnumerable<string> List() => Directory.Exists(Folder)
        ? Directory.GetDirectories(Folder, "step-*").Where(d => File.Exists(Path.Combine(d, "state.json"))).Order(StringComparer.Ordinal)
        : Enumerable.Empty<string>();
}

/// <summary>A training failure the user can act on; printed as one line.</summary>
internal sealed class TrainingException(string message) : Exception(message);
