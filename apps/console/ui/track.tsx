import type { Gap, Reading } from './api';
import { time } from './ui';

const WIDTH = 800;
const HEIGHT = 420;
const PAD = 20;

/**
 * The track on a plain equirectangular projection fitted to its bounding box (longitude scaled by
 * the cosine of the middle latitude, so shapes are not stretched): no tiles, no network. The legs
 * across a gap are drawn dashed in the gap colour, its ends marked.
 */
export function Track({ readings, gaps }: { readings: Reading[]; gaps: Gap[] }) {
  const points = readings.filter((r) => r.latitude !== null && r.longitude !== null) as (Reading & {
    latitude: number;
    longitude: number;
  })[];
  if (points.length === 0) return <p class="muted">no positions in this range</p>;
  const lats = points.map((p) => p.latitude);
  const lons = points.map((p) => p.longitude);
  const [minLat, maxLat, minLon, maxLon] = [
    Math.min(...lats),
    Math.max(...lats),
    Math.min(...lons),
    Math.max(...lons),
  ];
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxLon - minLon) * k, 1e-6);
  const spanY = Math.max(maxLat - minLat, 1e-6);
  const scale = Math.min((WIDTH - 2 * PAD) / spanX, (HEIGHT - 2 * PAD) / spanY);
  // centred: a single position (or a track along one parallel) sits in the middle
  const [midLon, midLat] = [(minLon + maxLon) / 2, (minLat + maxLat) / 2];
  const x = (lon: number) => WIDTH / 2 + (lon - midLon) * k * scale;
  const y = (lat: number) => HEIGHT / 2 - (lat - midLat) * scale;
  const inGap = (a: Reading, b: Reading) =>
    gaps.some((g) => g.from === a.recordedAt && g.to === b.recordedAt);
  const legs = points.slice(1).map((p, i) => ({ a: points[i], b: p, gap: inGap(points[i], p) }));
  const last = points[points.length - 1];
  return (
    <figure class="track">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`track of ${points.length} positions`}
      >
        <rect width={WIDTH} height={HEIGHT} class="sea" />
        {legs.map(({ a, b, gap }) => (
          <line
            key={b.eventId}
            x1={x(a.longitude)}
            y1={y(a.latitude)}
            x2={x(b.longitude)}
            y2={y(b.latitude)}
            class={gap ? 'leg gap' : 'leg'}
          >
            {gap && (
              <title>
                gap {time(a.recordedAt)} → {time(b.recordedAt)}
              </title>
            )}
          </line>
        ))}
        {points.map((p) => (
          <circle key={p.eventId} cx={x(p.longitude)} cy={y(p.latitude)} r={2.5} class="fix">
            <title>
              {time(p.recordedAt)} {p.latitude}, {p.longitude}
            </title>
          </circle>
        ))}
        <circle cx={x(points[0].longitude)} cy={y(points[0].latitude)} r={6} class="start" />
        <circle cx={x(last.longitude)} cy={y(last.latitude)} r={6} class="end" />
      </svg>
      <figcaption>
        {points.length} positions, {time(points[0].recordedAt)} → {time(last.recordedAt)}; lat{' '}
        {minLat.toFixed(4)}…{maxLat.toFixed(4)}, lon {minLon.toFixed(4)}…{maxLon.toFixed(4)}.{' '}
        <span class="legend start">start</span> <span class="legend end">latest</span>{' '}
        <span class="legend gap">gap</span>
      </figcaption>
    </figure>
  );
}
