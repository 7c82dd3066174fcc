namespace Acd.Testing.Media;

/// <summary>The best normalised cross-correlation of two signals and the lag where it occurs.</summary>
/// <param name="Correlation">In [-1, 1]; 1 when the overlap is the same waveform up to a gain.</param>
/// <param name="Lag">Samples by which <c>recording</c> is late relative to <c>reference</c>.</param>
/// <param name="Overlap">Samples compared at that lag.</param>
public readonly record struct CorrelationResult(double Correlation, int Lag, int Overlap);

/// <summary>Compares a recording with its source: normalised cross-correlation over a bounded lag window.</summary>
public static class AudioCorrelation
{
    /// <summary>
    /// Searches lags in [-<paramref name="maxLag"/>, <paramref name="maxLag"/>] and returns the best normalised
    /// correlation, ignoring lags whose overlap is shorter than <paramref name="minOverlap"/> samples.
    /// </summary>
    public static CorrelationResult Best(ReadOnlySpan<short> reference, ReadOnlySpan<short> recording, int maxLag, int minOverlap)
    {
        var best = new CorrelationResult(0, 0, 0);
        for (var lag = -maxLag; lag <= maxLag; lag++)
        {
            // reference[i] against recording[i + lag]
            var start = Math.Max(0, -lag);
            var end = Math.Min(reference.Length, recording.Length - lag);
            if (end - start < minOverlap)
            {
                continue;
            }

            double cross = 0, energyA = 0, energyB = 0;
            for (var i = start; i < end; i++)
            {
                double a = reference[i];
                double b = recording[i + lag];
                cross += a * b;
                energyA += a * a;
                energyB += b * b;
            }

            if (energyA > 0 && energyB > 0)
            {
                var correlation = cross / Math.Sqrt(energyA * energyB);
                if (correlation > best.Correlation)
                {
                    best = new CorrelationResult(correlation, lag, end - start);
                }
            }
        }

        return best;
    }
}
