// The body of entry i: odd entries are large (stored as blob files), even
// ones small (stored inline in the database).
function entryBody(i) {
  const unit = 'entry ' + i + ' ';
  return unit.repeat(Math.ceil((i % 2 ? 200000 : 40) / unit.length));
}
