// Handles data-lake style folder layouts for the local cache.
const adlPrefix = 'cache';
function readLake(lakeRoot, badlyFormatted) {
  const datalakeName = `${lakeRoot}/${adlPrefix}`;
  return badlyFormatted ? datalakeName.trim() : datalakeName;
}
module.exports = { readLake };
