// isolated-vm 5.0.4, installed only on the Node.js lines its engines field admits (see package.json).
module.exports = require('isolated-vm')
