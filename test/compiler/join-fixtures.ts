// A small project with three timestamped sources for the checker and lowering tests of `join`.
const SOURCES = `
source trips {
  file      = "t.csv"
  key       = station
  timestamp = day
  schema { day = timestamp  station = string  rides = float  temp = float }
}
source weather {
  file      = "w.csv"
  timestamp = date
  schema { date = timestamp  temp_min = float  snow = float  sky = category }
}
source station_stats {
  file      = "s.csv"
  key       = station
  timestamp = at
  schema { at = timestamp  station = string  capacity = float }
}
`;

export const JOIN_SPEC = (join: string, features = "", extra = "") => `${SOURCES}
features daily {
  from = trips
  ${join}
  ${features}
}
${extra}`;
