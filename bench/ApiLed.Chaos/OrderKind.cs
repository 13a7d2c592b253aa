namespace ApiLed.Chaos;

/// <summary>The kinds of order in the mix.</summary>
internal enum OrderKind
{
    /// <summary>70 %: a good order that should complete.</summary>
    Ordinary,

    /// <summary>10 %: payment reference <c>card-declined-0002</c>; billing declines it.</summary>
    Declined,

    /// <summary>10 %: ships to <c>AQ</c>, which the carrier does not serve; shipping fails it after the charge.</summary>
    Unserved,

    /// <summary>With <c>--approvals</c>, 10 % (taken from the ordinary ones): one unit of 1,500.00, which waits for an approval.</summary>
    Large,

    /// <summary>10 %: one unit of the run's scarce SKU, of which there are only <see cref="OrderMix.ScarceStock"/>.</summary>
    Scarce,
}
