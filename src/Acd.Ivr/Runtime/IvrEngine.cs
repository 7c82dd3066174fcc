using Acd.Ivr.Scripting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Ivr.Runtime;

/// <summary>Creates IVR sessions. One engine per process; thread-safe; holds no per-call state.</summary>
public sealed class IvrEngine
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IvrMetrics _metrics;
    private readonly IvrEngineOptions _options;

    public IvrEngine(TimeProvider time, IvrMetrics metrics, ILogger<IvrEngine>? logger = null, IvrEngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(metrics);
        _options = options ?? new IvrEngineOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid IVR engine options: " + string.Join("; ", errors), nameof(options));
        }

        _time = time;
        _metrics = metrics;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// A session for one call on <paramref name="script"/> (the version it keeps to the end), starting at the
    /// script's start node or at <paramref name="startNode"/> (e.g. a queue's exit node).
    /// </summary>
    public IvrSession CreateSession(IvrScript script, IvrCallInfo call, IIvrMedia media, IIvrQueueInfo queues, IvrObserver? observer = null, string? startNode = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(media);
        ArgumentNullException.ThrowIfNull(queues);
        var start = script.Start;
        if (startNode is not null && !script.NodeByName.TryGetValue(startNode, out start))
        {
            throw new ArgumentException($"Script '{script.Name}' has no node '{startNode}'.", nameof(startNode));
        }

        return new IvrSession(script, call, media, queues, observer, start, _time, _logger, _metrics, _options);
    }
}
