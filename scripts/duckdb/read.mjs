// read.mjs FILE: reads a Parquet file with DuckDB, as a user would
// (SELECT * FROM 'FILE'), and prints one JSON object on stdout:
//
//   {"rows": N,
//    "columns": [{"name": "point", "type": "BIGINT"}, ...],
//    "values": [[...], ...]}
//
// with the rows in the order DuckDB returns them. Values are written so
// that they survive JSON exactly: BIGINT as a string of digits, DOUBLE as
// a string in JavaScript's shortest round-trip form ("0.1", "1e-7", "-0",
// "NaN", "Infinity", "-Infinity"), BOOLEAN and VARCHAR as JSON booleans and
// strings. report's TestParquetDuckDB runs it; scripts/deps.sh test
// installs @duckdb/node-api beside it.
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
if (!file) {
  console.error('usage: node read.mjs FILE.parquet');
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const quoted = "'" + file.replaceAll("'", "''") + "'";
const count = await connection.runAndReadAll(`SELECT count(*) FROM ${quoted}`);
const reader = await connection.runAndReadAll(`SELECT * FROM ${quoted}`);
const types = reader.columnTypes();
const columns = reader.columnNames().map((name, i) => ({ name, type: types[i].toString() }));
const values = reader.getRows().map((row) =>
  row.map((v) => {
    switch (typeof v) {
      case 'bigint':
        return String(v);
      case 'number':
        return Object.is(v, -0) ? '-0' : String(v); // String(-0) is "0"
      case 'boolean':
      case 'string':
        return v;
      default:
        throw new Error(`unexpected value ${v} of type ${typeof v}`);
    }
  }),
);
console.log(JSON.stringify({ rows: Number(count.getRows()[0][0]), columns, values }));
connection.closeSync();
instance.closeSync();
