/** @module Product identity. A test keeps VERSION equal to package.json's version. */
export const PRODUCT_NAME = 'OctateCode P2P Backend'
export const VERSION = '2.0.0'
